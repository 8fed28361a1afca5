import { useSyncExternalStore } from 'react';
import { useAppStore } from '../../state';
import type { Theme } from '../../state';

const QUERY = '(prefers-color-scheme: dark)';

const subscribe = (onChange: () => void) => {
  const mq = window.matchMedia?.(QUERY);
  mq?.addEventListener('change', onChange);
  return () => mq?.removeEventListener('change', onChange);
};
const getSystemDark = () => window.matchMedia?.(QUERY).matches ?? false;

/** The theme on screen: the user's choice, else the system's. */
export function useEffectiveTheme(): Theme {
  const chosen = useAppStore((s) => s.theme);
  const systemDark = useSyncExternalStore(subscribe, getSystemDark, () => false);
  return chosen ?? (systemDark ? 'dark' : 'light');
}
