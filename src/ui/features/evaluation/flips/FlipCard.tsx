import { useEffect } from 'react';
import type { FlipDto } from '../../../../protocol/eval-dto';
import { thumbnailKey, useAppStore } from '../../../../state';
import { ensureThumbnail } from '../../../../state/actions/evaluate-views';
import { className, prob } from '../eval-format';
import { Thumbnail } from '../Thumbnail';

const BOX = 72;

/** The sample's picture (image sets, image-shaped tensors) or its feature values (CSV rows). */
function SampleView({ samplesId, flip }: { samplesId: number | null; flip: FlipDto }) {
  const key = samplesId === null ? '' : thumbnailKey(samplesId, flip.index);
  const thumb = useAppStore((s) => (key ? s.thumbnails[key] : undefined));
  const values = flip.features;
  useEffect(() => {
    if (samplesId !== null && !thumb) void ensureThumbnail(samplesId, flip.index);
  }, [samplesId, flip.index, thumb]);
  if (values) {
    return (
      <dl className="flip-values">
        {values.map((v) => (
          <div key={v.column}>
            <dt>{v.column}</dt>
            <dd>{v.value}</dd>
          </div>
        ))}
      </dl>
    );
  }
  return (
    <div className="thumb-box" style={{ width: BOX, height: BOX }}>
      {thumb?.status === 'ready' && thumb.data ? (
        <Thumbnail image={thumb.data} box={BOX} label={`Sample ${flip.name}`} />
      ) : (
        <span className="muted small">{thumb?.status === 'loading' ? '…' : `#${flip.index}`}</span>
      )}
    </div>
  );
}

/** One changed prediction: the sample, its label, the float model's and the variant's top-1 with probabilities. */
export function FlipCard({
  flip,
  classes,
  samplesId,
  variantName,
}: {
  flip: FlipDto;
  classes: string[] | null;
  samplesId: number | null;
  variantName: string;
}) {
  const labeled = flip.label !== null;
  const floatRight = labeled && flip.floatPrediction === flip.label;
  const variantRight = labeled && flip.variantPrediction === flip.label;
  const kind = !labeled ? 'changed' : floatRight ? 'broken' : variantRight ? 'fixed' : 'changed';
  return (
    <li className={`flip-card flip-${kind}`} data-testid="flip-card" data-index={flip.index} data-kind={kind}>
      <SampleView samplesId={samplesId} flip={flip} />
      <div className="flip-text">
        <p className="flip-name" title={flip.name}>
          {flip.name}
        </p>
        {labeled && (
          <p className="flip-label">
            label <strong>{flip.labelName ?? className(flip.label as number, classes)}</strong>
          </p>
        )}
        <p className={`flip-pred${floatRight ? ' is-right' : ''}`}>
          <span className="flip-who">float</span>
          <strong>{className(flip.floatPrediction, classes)}</strong>
          <span className="muted">{prob(flip.floatProbability)}</span>
        </p>
        <p
          className={`flip-pred${variantRight ? ' is-right' : labeled ? ' is-wrong' : ''}`}
          title={`${variantName} gives the float model's class ${className(flip.floatPrediction, classes)} ${prob(flip.variantProbabilityOfFloatClass)}`}
        >
          <span className="flip-who">{variantName}</span>
          <strong>{className(flip.variantPrediction, classes)}</strong>
          <span className="muted">{prob(flip.variantProbability)}</span>
        </p>
      </div>
    </li>
  );
}
