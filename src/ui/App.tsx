import { useEffect } from 'react';
import { selectLoaded, useAppStore } from '../state';
import { Header } from './Header';
import { Workspace } from './Workspace';
import { DropOverlay } from './features/model-drop/DropOverlay';
import { DropZone } from './features/model-drop/DropZone';
import { FileInput } from './features/model-drop/FileInput';
import { usePageDrop } from './features/model-drop/usePageDrop';
import { useEffectiveTheme } from './hooks/useEffectiveTheme';

function useApplyTheme() {
  const theme = useEffectiveTheme();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
}

export function App() {
  useApplyTheme();
  const dragging = usePageDrop();
  const hasModel = useAppStore((s) => selectLoaded(s) !== null);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <FileInput />
      <main id="main" tabIndex={-1}>
        {hasModel ? <Workspace /> : <DropZone />}
      </main>
      {dragging && <DropOverlay />}
    </>
  );
}
