import { useEffect, useState } from 'react';
import { appStore, selectLoaded } from '../../../state';
import { loadSampleFiles } from '../../../state/actions/evaluate-samples';
import { openFiles } from '../../../state/actions/open-model';
import { samplesFromDataTransfer } from '../evaluation/sample-drop/drop-files';

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
/** Over an area with its own drop handling (the sample-set drop zone): no page overlay there. */
const inOwnScope = (e: DragEvent) =>
  e.target instanceof Element && e.target.closest('[data-drop-scope]') !== null;
const isModelFile = (f: File) => /\.onnx$/i.test(f.name);

/**
 * Files can be dropped anywhere on the page: a model opens; with a model open, a drop without any .onnx file (a
 * folder, images, .npy, .csv, a zip) is read as a sample set. Returns whether files are being dragged over the page.
 */
export function usePageDrop(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(!inOwnScope(e));
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow the drop
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setDragging(!inOwnScope(e));
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      const dt = e.dataTransfer;
      const files = Array.from(dt?.files ?? []);
      if (!dt || files.length === 0 || inOwnScope(e)) return;
      e.preventDefault(); // keep the browser from navigating to the file
      if (selectLoaded(appStore.getState()) && !files.some(isModelFile)) {
        void samplesFromDataTransfer(dt).then((d) => loadSampleFiles(d.files, d.name));
        return;
      }
      void openFiles(files);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return dragging;
}
