// Telling the server where the cursor rests (pure: no vscode import).

/** The notification the pied server takes: the daemon encodes the window there early. */
export const CURSOR = "pied/cursor";

/** Milliseconds the cursor must rest before the server is told. */
export const CURSOR_MS = 150;

export interface CursorParams {
  textDocument: { uri: string };
  position: { line: number; character: number };
}

export function cursorParams(uri: string, line: number, character: number): CursorParams {
  return { textDocument: { uri }, position: { line, character } };
}

/** `fn` called once `wait` ms after the last call, with the last call's argument. */
export function debounce<T>(wait: number, fn: (arg: T) => void): (arg: T) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (arg: T) => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      fn(arg);
    }, wait);
  };
}
