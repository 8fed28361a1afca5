import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initSettings } from './state';
import { App } from './ui/App';
import { preloadPlotlyWhenIdle } from './ui/components/plotly-loader';
import './ui/styles.css';

initSettings();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// plotly is needed as soon as a model is open: evaluate it while the landing page waits for a drop.
preloadPlotlyWhenIdle();
