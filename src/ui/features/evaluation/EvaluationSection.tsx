import { selectIsImageSet, selectSamples, useAppStore } from '../../../state';
import { Panel } from '../../components/Panel';
import { ConfusionPanel } from './confusion/ConfusionPanel';
import { FlipsPanel } from './flips/FlipsPanel';
import { PreprocessForm } from './preprocess/PreprocessForm';
import { PreviewStrip } from './preview/PreviewStrip';
import { ResultsPanel } from './results/ResultsPanel';
import { EvaluateBar } from './run/EvaluateBar';
import { ProbeButton } from './run/ProbeButton';
import { SampleDrop } from './sample-drop/SampleDrop';
import { SampleSetSummary } from './sample-drop/SampleSetSummary';

/** The sample set, how it is fed to the model, and the run. */
function SetupPanel() {
  const hasSet = useAppStore((s) => selectSamples(s) !== null);
  const images = useAppStore(selectIsImageSet);
  return (
    <Panel
      title="Evaluate on your samples"
      subtitle="The float model and every variant run on the same samples, with onnxruntime-web in a worker of this tab."
      id="evaluation"
      testId="evaluation"
    >
      <SampleDrop />
      {hasSet && (
        <div className={`eval-setup${images ? '' : ' is-single'}`}>
          <SampleSetSummary />
          {images && <PreprocessForm />}
        </div>
      )}
      <PreviewStrip />
      <EvaluateBar />
      <ProbeButton />
    </Panel>
  );
}

/** Accuracy of the float model and the variants on the user's own sample set. */
export function EvaluationSection() {
  return (
    <>
      <SetupPanel />
      <ResultsPanel />
      <FlipsPanel />
      <ConfusionPanel />
    </>
  );
}
