import { toRecipe } from '../../../core/quant/config';
import { downloadFileName, selectLoaded, useAppStore, type Variant } from '../../../state';
import { saveBlob } from '../../../state/actions/download';

/** What a layer of a mixed-precision variant got: "float", or "5-bit". */
const layerBits = (v: Variant, name: string): string => {
  const o = v.config.layers[name];
  return o?.skip ? 'float' : `${o?.bits ?? v.config.bits}${o?.bits === 'fp16' ? '' : '-bit'}`;
};

/** A mixed-precision variant's assignment (every layer's bits) and its recipe as a JSON download. */
export function VariantRecipe({ v }: { v: Variant }) {
  const modelName = useAppStore((s) => selectLoaded(s)?.fileName ?? 'model.onnx');
  if (!v.config.mixed) return null;
  const names = Object.keys(v.config.layers);
  const save = () => {
    const json = JSON.stringify(toRecipe(v.config), null, 2) + '\n';
    const name = downloadFileName(modelName, v.config).replace(/\.onnx$/, '.recipe.json');
    saveBlob(new Blob([json], { type: 'application/json' }), name);
  };
  return (
    <details className="variant-recipe small" data-testid={`variant-recipe-${v.id}`}>
      <summary>
        Bits per layer
        {v.plan && ` · ${v.plan.averageBits.toFixed(2)} b average`}
      </summary>
      <ul>
        {names.map((n) => (
          <li key={n} data-layer={n}>
            <code>{n}</code>: {layerBits(v, n)}
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-small" onClick={save}>
        Download recipe (JSON)
      </button>
    </details>
  );
}
