import type { ArrayRole } from '../../../../core/samples';
import { selectEvalBusy, selectSamples, useAppStore } from '../../../../state';
import { setArrayRole } from '../../../../state/actions/evaluate-samples';

const ROLES: { value: ArrayRole; label: string }[] = [
  { value: 'input', label: 'input' },
  { value: 'labels', label: 'labels' },
  { value: 'ignored', label: 'not used' },
];

/** Loose .npy files: which array feeds the model and which holds the labels (names don't always tell). */
export function ArrayRolesForm() {
  const samples = useAppStore(selectSamples);
  const disabled = useAppStore((s) => selectEvalBusy(s) || s.samples.status === 'loading');
  const files = samples?.info.npyFiles;
  if (!samples || !files || files.length < 2) return null;
  return (
    <fieldset className="field array-roles" disabled={disabled} data-testid="array-roles">
      <legend>Arrays</legend>
      <table className="mapping-table">
        <tbody>
          {files.map((f) => (
            <tr key={f.path} data-testid={`array-role-${f.path}`} data-role={f.role}>
              <th scope="row">
                <code>{f.path}</code>
              </th>
              <td className="muted small">
                {f.dtype} [{f.shape.join(' × ')}]
              </td>
              <td>
                <select
                  className="select-small"
                  aria-label={`Use of ${f.path}`}
                  value={f.role}
                  onChange={(e) => void setArrayRole(f.path, e.currentTarget.value as ArrayRole)}
                >
                  {ROLES.map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.label}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}
