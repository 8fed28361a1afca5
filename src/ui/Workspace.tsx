import { ErrorBoundary } from './components/ErrorBoundary';
import { AlreadyQuantizedPanel } from './features/already-quantized/AlreadyQuantizedPanel';
import { ChannelRangesPanel } from './features/channel-ranges/ChannelRangesPanel';
import { SideBySide } from './features/compare/SideBySide';
import { SizeQualityPanel } from './features/compare/SizeQualityPanel';
import { VariantsTable } from './features/compare/VariantsTable';
import { EvaluationSection } from './features/evaluation/EvaluationSection';
import { ErrorCurvePanel } from './features/error-curve/ErrorCurvePanel';
import { HistogramPanel } from './features/histograms/HistogramPanel';
import { LayerErrorPanel } from './features/layer-error/LayerErrorPanel';
import { LoadStatus } from './features/model-drop/LoadStatus';
import { ModelOverview } from './features/model-overview/ModelOverview';
import { QuantConfigPanel } from './features/quant-config/QuantConfigPanel';
import { QuantizeBar } from './features/quant-config/QuantizeBar';
import { SensitivityPanel } from './features/sensitivity/SensitivityPanel';
import { VariantList } from './features/variants/VariantList';
import { WeightsTable } from './features/weights-table/WeightsTable';

/** The studio once a model is open: settings on the left; variants → weights and their plots → evaluation. */
export function Workspace() {
  return (
    <div className="workspace">
      <aside className="sidebar" aria-label="Model and settings">
        {/* The settings scroll; Quantize stays in a footer below them, in view for any model at 1280×800. */}
        <div className="sidebar-scroll">
          <ModelOverview />
          <QuantConfigPanel />
          <VariantList />
        </div>
        <div className="sidebar-footer">
          <QuantizeBar />
        </div>
      </aside>
      {/* Load progress and errors float over the page, where the eye is, whatever was scrolled. */}
      <div className="toast-region">
        <LoadStatus dismissible />
      </div>
      <div className="content">
        <ErrorBoundary area="the variants table">
          <VariantsTable />
        </ErrorBoundary>
        <ErrorBoundary area="the weights table">
          <WeightsTable />
        </ErrorBoundary>
        <ErrorBoundary area="the already-quantized weights">
          <AlreadyQuantizedPanel />
        </ErrorBoundary>
        <ErrorBoundary area="the plots">
          <div className="grid-2">
            <HistogramPanel />
            <ChannelRangesPanel />
          </div>
          <LayerErrorPanel />
          <div className="grid-2">
            <ErrorCurvePanel />
            <SizeQualityPanel />
          </div>
          <SideBySide />
        </ErrorBoundary>
        {/* Evaluation last: it needs variants to compare, and its results feed the variants table above. */}
        <ErrorBoundary area="the evaluation">
          <EvaluationSection />
        </ErrorBoundary>
        {/* After the sample set: sensitivity runs on it (or on the synthetic probe) in the same worker. */}
        <ErrorBoundary area="the sensitivity panel">
          <SensitivityPanel />
        </ErrorBoundary>
      </div>
    </div>
  );
}
