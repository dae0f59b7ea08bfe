/**
 * The training dashboard app (browser side). Restores its state (`getState`), builds the views,
 * posts `ready`, then folds host messages into one `DashboardState` with the shared reducer and
 * redraws at most once per animation frame. View preferences and a decimated copy of the live run
 * are kept with `setState`, so hiding the panel or reloading the window loses nothing visible.
 */
import { buildChartData, CHARTS } from '../../dashboard/chartSeries';
import {
  CompareRunLoaded,
  ControlRun,
  DashboardEvents,
  ExportCsv,
  ExportDone,
  ExportPng,
  ListRuns,
  LoadCompareRun,
  RunSnapshot,
  RunsListed,
  type DashboardWebviewState,
  type RunRecord,
} from '../../dashboard/protocol';
import { initialState, reduce, type DashboardAction, type DashboardState } from '../../dashboard/runState';
import { ipcMessage, isIpcMessage, type IpcCommand, type IpcMessage } from '../../../protocol/ipc';
import { WebviewReady } from '../../protocol';
import { ChartCard } from './charts';
import { ControlsView } from './controlsView';
import { byId, h } from './dom';
import { SamplesView } from './samplesView';
import { StatusView } from './statusView';

interface VsCodeApi {
  postMessage(msg: IpcMessage): void;
  getState(): unknown;
  setState(state: DashboardWebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Points of the live run kept in the webview state (the host resends everything on ready). */
const SAVED_POINTS = 2000;

const vscode = acquireVsCodeApi();
const restored = vscode.getState() as Partial<DashboardWebviewState> | undefined;
let state: DashboardState = initialState({
  ...(restored?.prefs ? { prefs: restored.prefs } : {}),
  live: restored?.live ?? null,
});
let frame = 0;

/** Sends a command to the host. */
const post = <M extends string, P>(type: IpcCommand<P, M>, params: NoInfer<P>): void =>
  vscode.postMessage(ipcMessage(type, params));
const status = new StatusView((action) => post(ControlRun, { action }));
const samples = new SamplesView();
const charts = CHARTS.map((spec) => new ChartCard(spec, exportPng));
const controls = new ControlsView({
  prefs: (patch) => dispatch({ type: 'prefs', patch }),
  compare: (id) => {
    post(LoadCompareRun, { id });
    if (id === null) dispatch({ type: 'compare', record: null });
  },
  exportCsv: (runId) => post(ExportCsv, { runId }),
  refreshRuns: () => post(ListRuns, {}),
});

byId('app').append(
  h(
    'div',
    { class: 'layout' },
    status.element,
    h(
      'section',
      { class: 'charts-section', 'aria-label': 'Charts' },
      controls.toolbar,
      h('div', { class: 'charts', id: 'charts' }, ...charts.map((c) => c.element)),
    ),
    samples.element,
    controls.history,
  ),
);

function dispatch(action: DashboardAction): void {
  state = reduce(state, action);
  if (!frame) frame = requestAnimationFrame(render);
}

function themeKey(): string {
  return document.body.className;
}

function render(): void {
  frame = 0;
  const { live, compare, prefs } = state;
  status.update(live);
  samples.update(live?.evals ?? []);
  controls.update(prefs, state.runs, live?.run.id ?? null, state.notice);
  const theme = themeKey();
  for (const c of charts) c.update(buildChartData(c.spec, live, compare, prefs), prefs, theme);
  vscode.setState({ prefs, live: live ? compactRecord(live) : null });
}

function compactRecord(rec: RunRecord): RunRecord {
  if (rec.metrics.length <= SAVED_POINTS) return rec;
  const stride = Math.ceil(rec.metrics.length / SAVED_POINTS);
  const last = rec.metrics.length - 1;
  return { ...rec, metrics: rec.metrics.filter((_, i) => (last - i) % stride === 0) };
}

function exportPng(card: ChartCard): void {
  const url = card.toPng();
  if (!url) {
    dispatch({ type: 'notice', text: `The ${card.spec.title} chart has no data to export yet.` });
    return;
  }
  const base64 = url.slice(url.indexOf(',') + 1);
  post(ExportPng, { base64, suggestedName: `${card.spec.id}-${state.live?.run.id ?? 'run'}.png` });
}

let eventMessages = 0;
window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const msg = e.data;
  if (isIpcMessage(msg, DashboardEvents)) {
    // Counted on the page so the message rate during training can be measured from outside.
    eventMessages++;
    document.body.dataset['eventMessages'] = String(eventMessages);
    dispatch({ type: 'events', events: msg.params.events });
  } else if (isIpcMessage(msg, RunSnapshot)) dispatch({ type: 'snapshot', record: msg.params.record });
  else if (isIpcMessage(msg, RunsListed)) {
    dispatch({ type: 'runs', runs: msg.params.runs });
    // A restored overlay is loaded again once the list shows it still exists.
    const want = state.prefs.compareId;
    if (want && !state.compare && msg.params.runs.some((r) => r.id === want)) post(LoadCompareRun, { id: want });
  } else if (isIpcMessage(msg, CompareRunLoaded)) {
    dispatch({ type: 'compare', record: msg.params.record });
    if (msg.params.error) dispatch({ type: 'notice', text: msg.params.error });
  } else if (isIpcMessage(msg, ExportDone)) {
    const { kind, saved, path, error } = msg.params;
    dispatch({
      type: 'notice',
      text: saved
        ? `Saved ${kind.toUpperCase()} to ${path ?? ''}`
        : error
          ? `${kind.toUpperCase()} export failed: ${error}`
          : null,
    });
  }
});

// Theme changes (VS Code swaps the body class) rebuild the charts with the new colours.
new MutationObserver(() => dispatch({ type: 'notice', text: state.notice })).observe(document.body, {
  attributes: true,
  attributeFilter: ['class'],
});
new ResizeObserver(() => charts.forEach((c) => c.resize())).observe(byId('charts'));

render();
post(WebviewReady, { version: 1 });
