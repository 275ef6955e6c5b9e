/** The API token of this browser tab, kept in sessionStorage (gone when the tab closes). */

const KEY = 'signalbox.token';

export function loadToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
