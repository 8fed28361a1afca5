import { selectLoaded, useAppStore } from '../state';
import { openDemo } from '../state/actions/open-model';
import { toggleTheme } from '../state/actions/ui';
import { LogoIcon, MoonIcon, SunIcon, UploadIcon } from './components/icons';
import { openFileDialog } from './features/model-drop/FileInput';
import { useEffectiveTheme } from './hooks/useEffectiveTheme';

export function Header() {
  const theme = useEffectiveTheme();
  const hasModel = useAppStore((s) => selectLoaded(s) !== null);
  const loading = useAppStore((s) => s.model.status === 'loading');
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <header className="app-header">
      <div className="brand">
        <LogoIcon />
        <span className="brand-name">Quantization Studio</span>
        <span className="brand-tag">runs in this tab · nothing is uploaded</span>
      </div>
      <nav className="header-actions" aria-label="App">
        {hasModel && (
          <>
            <button type="button" className="btn btn-ghost" onClick={openFileDialog} disabled={loading}>
              <UploadIcon /> Open model…
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => void openDemo()}
              disabled={loading}
            >
              Demo model
            </button>
          </>
        )}
        <button
          type="button"
          className="icon-btn theme-toggle"
          data-testid="theme-toggle"
          data-theme={theme}
          aria-label={`Switch to ${next} theme`}
          title={`Switch to ${next} theme`}
          onClick={() => toggleTheme(theme)}
        >
          {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
        </button>
      </nav>
    </header>
  );
}
