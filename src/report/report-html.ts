import { lossCurve, scatterRows, scoreBars, tradeOffScatter } from './charts.ts';
import { instrumentDisplay } from './columns.ts';
import { escapeXml } from './svg.ts';
import { scaleDisplay, type RunHeader } from './run-header.ts';
import { frontScatter } from './front-chart.ts';
import { instrumentsOf, type FrontReport, type ReportData, type ReportRow } from './report-data.ts';
import { MACRO_AVERAGE_NOTE, PAIRED_TESTS_NOTE, reportMarkdownTables } from './report-tables.ts';
import { REGIME_NOTE } from './regime-table.ts';

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#333}.axis line{stroke:#333}
.axis-label{font-weight:600}.point-label{fill:#555}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-weight:600}.note{color:#8a4b00}
.runs td,.runs th{text-align:left}.runs td.number,.runs th.number{text-align:right}.meta{color:#555}
.scale{max-width:640px;margin:.2em 0}`;

/** A Markdown table (as report-tables writes it) as an HTML table. */
function htmlTable(lines: readonly string[]): string {
  const cells = (line: string) => line.slice(2, -2).split(' | ').map(escapeXml);
  const [header, , ...body] = lines;
  return `<table><thead><tr>${cells(header).map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${body
    .map((l) => `<tr>${cells(l).map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function figure(caption: string, svg: string, note = ''): string {
  return `<figure><figcaption>${escapeXml(caption)}</figcaption>${svg}${note}</figure>`;
}

/**
 * Under a country's VSM 2013 bars: the constants C its scores are on (a score moves with C, so bars
 * near 0 beside targets of 40-90 mean raw-scale constants, not a model far off). One line per distinct
 * C, naming the folders where they differ; nothing for an instrument without constants.
 */
function scaleNote(rows: readonly ReportRow[]): string {
  const byScale = new Map<string, Set<string>>();
  for (const r of rows) {
    const scale = scaleDisplay(r.record.instrument);
    if (scale !== '-') byScale.set(scale, (byScale.get(scale) ?? new Set()).add(r.folder));
  }
  const lines = [...byScale].map(([scale, folders]) => `constants C${byScale.size > 1 ? ` (${[...folders].join(', ')})` : ''}: ${scale}`);
  return lines.map((l) => `<p class="meta scale">${escapeXml(l)}</p>`).join('');
}

function section(title: string, body: string): string {
  return `<section><h2>${escapeXml(title)}</h2>${body}</section>`;
}

/** The header: one row per folder, naming what produced its numbers. */
function runsTable(runs: readonly RunHeader[]): string {
  const number = (value: number | null) => `<td class="number">${value === null ? '-' : value}</td>`;
  const rows = runs.map(
    (r) =>
      `<tr><td>${escapeXml(r.folder)}</td><td>${escapeXml(r.country)}</td><td>${escapeXml(r.model)}</td><td>${escapeXml(r.instrument)}</td>` +
      `${number(r.k)}${number(r.budget)}${number(r.evaluations)}<td class="number">${escapeXml(r.seed)}</td><td>${escapeXml(r.scale)}</td></tr>`,
  );
  return (
    '<table class="runs"><thead><tr><th>folder</th><th>country</th><th>model</th><th>instrument</th><th class="number">k</th>' +
    `<th class="number">budget</th><th class="number">evaluations spent</th><th class="number">seed</th><th>scale (VSM 2013 constants C)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/** A multi-objective run's front: instrument loss against held-out CulturalBench, with the comparisons. */
function frontSection({ folder, record }: FrontReport): string {
  const { title } = instrumentDisplay(record.instrument, []);
  const chart = frontScatter(`${folder}: ${title} loss vs held-out CulturalBench Easy`, `${title} loss (lower is closer to the reference)`, record.points);
  const note = `<p class="note">${record.points.filter((p) => p.kind === 'front').length} members of the front; CulturalBench on the ${record.heldOutQuestions} held-out questions of ${escapeXml(record.country)} (the search saw the other half). The ringed member is the knee, what export takes by default.</p>`;
  return section(`Front: ${title} loss vs held-out CulturalBench, ${folder}`, chart + note);
}

/** One page, no external assets and no scripts: the charts are inline SVG. */
export function reportHtml(data: ReportData, header: { runs: readonly RunHeader[]; version: string }): string {
  const tables = reportMarkdownTables(data);
  // Per instrument: its trade-off with CulturalBench and its scores beside the targets, country by country.
  const perInstrument = instrumentsOf(data.rows).flatMap((instrument) => {
    const rows = data.rows.filter((r) => r.instrument === instrument);
    const { title, columns } = instrumentDisplay(instrument, data.rows);
    const countries = [...new Set(rows.map((r) => r.country))];
    return [
      section(
        `Trade-off: ${title} loss vs CulturalBench`,
        scatterRows(rows).length > 0 ? tradeOffScatter(rows, title) : `<p class="note">No CulturalBench results: ${escapeXml(title)} alone.</p>`,
      ),
      section(
        `${title}: model vs target`,
        `<div class="charts">${countries
          .map((c) => {
            const country = rows.filter((r) => r.country === c);
            return figure(c, scoreBars(c, title, columns, country), scaleNote(country));
          })
          .join('')}</div>`,
      ),
    ];
  });
  const parts = [
    ...data.fronts.map(frontSection),
    ...perInstrument,
    data.curves.length > 0
      ? section('Training loss', `<div class="charts">${data.curves.map((c) => figure(`${c.folder} (${c.country}, ${c.instrument})`, lossCurve(c))).join('')}</div>`)
      : '',
    ...tables.countries.map((t) => section(`${t.country}: ${t.title}`, htmlTable(t.table))),
    ...(tables.tasks ? [section('Other tasks', htmlTable(tables.tasks))] : []),
    ...tables.regimes.map((t) => section(`Regimes: ${t.country}, ${t.title}`, `<p class="meta">${escapeXml(REGIME_NOTE)}</p>${htmlTable(t.table)}`)),
    ...tables.pairedTests.map((t) => section(`Paired tests between conditions: ${t.title}`, `<p class="meta">${escapeXml(PAIRED_TESTS_NOTE)}</p>${htmlTable(t.table)}`)),
    ...(tables.macroAverages ? [section('Macro average over countries', `<p class="meta">${escapeXml(MACRO_AVERAGE_NOTE)}</p>${htmlTable(tables.macroAverages)}`)] : []),
    section('Rank agreement across countries', tables.rankAgreement ? htmlTable(tables.rankAgreement) : `<p>${escapeXml(tables.rankAgreementMissing)}</p>`),
    data.notes.length > 0 ? section('Notes', `<ul>${data.notes.map((n) => `<li class="note">${escapeXml(n)}</li>`).join('')}</ul>`) : '',
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cultune report</title><style>${STYLE}</style></head>
<body><header><h1>cultune report</h1><p class="meta">cultune ${escapeXml(header.version)}; a baseline folder has no k, budget or training seed (its seed column is the evaluation's).</p>
${runsTable(header.runs)}</header>
${parts.filter((p) => p !== '').join('\n')}
</body></html>
`;
}
