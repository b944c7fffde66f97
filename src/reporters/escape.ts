/**
 * Scanned code is untrusted text: an ESC in a snippet could recolour, move the cursor or retitle the
 * user's terminal. C0 and C1 controls (except tab and newline) and DEL print as visible escapes instead.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function escapeControls(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
