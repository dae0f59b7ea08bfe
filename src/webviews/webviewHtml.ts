/**
 * The HTML shell shared by every panel: strict CSP (`default-src 'none'`, scripts by nonce,
 * styles and images only from the extension's built assets), the bundled app script and its
 * stylesheet. Data never goes into the HTML: it arrives through `postMessage` after `ready`.
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';

export interface WebviewAssets {
  /** Name of the app: `dist/webviews/<app>.js` and `dist/webviews/<app>.css`. */
  readonly app: string;
  readonly title: string;
  /** Extra stylesheets in `dist/webviews/` (e.g. a chart library's CSS). */
  readonly extraStyles?: readonly string[];
}

/** The only folder a panel may load from. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: webviewRoots(extensionUri) };
}

export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, assets: WebviewAssets): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const asset = (file: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', file)).toString();
  const styles = [...(assets.extraStyles ?? []), `${assets.app}.css`]
    .map((f) => `<link rel="stylesheet" href="${asset(f)}">`)
    .join('\n    ');
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(assets.title)}</title>
  </head>
  <body>
    <div id="app" role="main"></div>
    <script nonce="${nonce}" src="${asset(`${assets.app}.js`)}"></script>
  </body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
