import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initSettings } from './state';
import { App } from './ui/App';
import './ui/styles.css';

initSettings();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
