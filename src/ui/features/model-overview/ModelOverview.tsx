import { useAppStore, selectAlreadyQuantized, selectLoaded } from '../../../state';
import type { ValueInfoDto } from '../../../protocol/dto';
import { formatBytes, formatCount, formatShape } from '../../format';
import { Panel } from '../../components/Panel';

const opsetText = (opsets: Record<string, number>): string => {
  const main = opsets[''] ?? opsets['ai.onnx'];
  const others = Object.entries(opsets).filter(([d]) => d !== '' && d !== 'ai.onnx');
  return [main !== undefined ? `opset ${main}` : null, ...others.map(([d, v]) => `${d} ${v}`)]
    .filter(Boolean)
    .join(', ');
};

function IoList({ title, items }: { title: string; items: ValueInfoDto[] }) {
  return (
    <div className="io">
      <h3>{title}</h3>
      <ul>
        {items.map((v) => (
          <li key={v.name}>
            <code className="io-name" title={v.name}>
              {v.name}
            </code>
            <span className="muted">
              {v.dtype} {formatShape(v.shape)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the model is: name, producer, opset, I/O, op counts, parameter totals. */
export function ModelOverview() {
  const loaded = useAppStore(selectLoaded);
  const status = useAppStore((s) => s.model.status);
  const already = useAppStore(selectAlreadyQuantized);
  if (!loaded) return null;
  const m = loaded.summary;
  const ops = Object.entries(m.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <Panel
      title={
        <span className="model-title" title={m.fileName}>
          {m.fileName}
        </span>
      }
      subtitle={[
        m.name !== m.fileName ? m.name : null,
        m.producer || 'unknown producer',
        opsetText(m.opsets),
        `IR ${m.irVersion}`,
      ]
        .filter(Boolean)
        .join(' · ')}
      testId="model-summary"
      status={status}
      id="model"
    >
      <dl className="stats">
        <div>
          <dt>Parameters</dt>
          <dd data-testid="total-params">{formatCount(m.totalParams)}</dd>
        </div>
        <div>
          <dt>Weights</dt>
          <dd>{formatBytes(m.totalWeightBytes)}</dd>
        </div>
        <div>
          <dt>File</dt>
          <dd title={`${formatCount(m.fileBytes)} bytes`}>{formatBytes(m.fileBytes)}</dd>
        </div>
      </dl>
      {already && (
        <p className="note" data-testid="already-quantized">
          Already quantized: {already}. These integer weights are not quantized again.
        </p>
      )}
      <IoList title="Inputs" items={m.inputs} />
      <IoList title="Outputs" items={m.outputs} />
      <div className="io">
        <h3>Operators</h3>
        <ul className="chips" aria-label="Operator counts">
          {ops.map(([op, n]) => (
            <li key={op} className="chip">
              {op} <span className="chip-count">{n}</span>
            </li>
          ))}
        </ul>
      </div>
      {m.externalFiles.length > 0 && (
        <p className="muted small">External data: {m.externalFiles.join(', ')}</p>
      )}
    </Panel>
  );
}
