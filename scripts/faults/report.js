#!/usr/bin/env node
/*
 * Writes the figures of the last fault-suite run (.run/faults/results/<scenario>.json, one file per
 * scenario, written by test/faults/harness/scenario.ts) into docs/reliability.md, between the
 * markers <!-- faults:figures:start --> and <!-- faults:figures:end -->. Run by scripts/faults/run.sh
 * after the scenarios, whatever their outcome. Plain CommonJS: no build needed.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const resultsDir = path.join(process.env.FAULTS_RUN_DIR || path.join(root, '.run/faults'), 'results');
const doc = path.join(root, 'docs/reliability.md');
const START = '<!-- faults:figures:start -->';
const END = '<!-- faults:figures:end -->';

const results = fs.existsSync(resultsDir)
  ? fs
      .readdirSync(resultsDir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(fs.readFileSync(path.join(resultsDir, name), 'utf8')))
  : [];
if (results.length === 0) {
  process.stderr.write(`[faults-report] no results in ${resultsDir}; docs/reliability.md left as it is\n`);
  process.exit(0);
}

const number = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : '–');
const scenarioNo = (id) => Number(/^s(\d+)/.exec(id)?.[1] ?? 0);
const short = (value) => JSON.stringify(value).replace(/"/g, '').replace(/,/g, ', ').replace(/:/g, ': ');

const lines = [];
const latest = results
  .map((r) => r.startedAt)
  .sort()
  .pop();
lines.push(`Figures of the last run of each scenario (latest started ${latest}), written by \`scripts/faults/report.js\`.`);
lines.push('');
lines.push(
  '| # | scenario | result | HTTP requests (logical) | acknowledged writes | faults injected | records checked | redelivered copies on the topic | losses | duplicate effects | s |',
);
lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const c = r.check?.counts ?? {};
  const acked = (c.acknowledgedCreates ?? 0) + (c.acknowledgedUpdates ?? 0) + (c.acknowledgedDeletes ?? 0);
  lines.push(
    `| ${scenarioNo(r.id)} | ${r.title} | ${r.outcome === 'passed' ? 'passed' : '**FAILED**'} | ${number(r.load?.httpRequests)} (${number(r.load?.logicalRequests)}) | ${number(acked)} | ${r.faults.filter((fault) => !fault.recovery).length} | ${number(r.check?.recordsChecked)} | ${number(c.topicDuplicates)} | ${number(r.check?.losses)} | ${number(r.check?.duplicateEffects)} | ${r.durationSeconds} |`,
  );
}
lines.push('');
for (const r of results) {
  const c = r.check?.counts ?? {};
  lines.push(`#### ${scenarioNo(r.id)}. ${r.title} — ${r.outcome}`);
  lines.push('');
  if (r.check) {
    lines.push(
      `- checker: ${number(c.acknowledgedCreates)} acknowledged creates → ${number(c.streams)} streams (${number(c.liveUsers)} live), ${number(c.events)} events, ${number(c.outboxRows)} outbox rows all published, ${number(c.topicMessages)} topic messages (${number(c.topicDuplicates)} redelivered copies, ${number(c.foreignTopicMessages)} foreign), ${number(c.inboxRows)} inbox rows, ${number(c.budgets)} budgets and ${number(c.ledgerRows)} ledger rows for ${number(c.budgetedLiveUsers)} budgeted live users, read tables ${number(c.readRowsEndUsers)} + ${number(c.readRowsApiKeys)} rows equal to a fresh fold, ${number(c.versionGaps)} version gaps, ${number(c.deadLetters)} dead letters; drained in ${r.check.drained.seconds} s; **losses: ${r.check.losses}**, duplicate effects: ${r.check.duplicateEffects}, violations: ${r.check.violationCount}.`,
    );
  }
  lines.push(`- load: ${short({ ...r.load, slowest: undefined })}`);
  for (const fault of r.faults)
    lines.push(`- ${fault.recovery ? 'recovery' : 'fault'} at +${fault.t} s: ${fault.kind}${fault.detail === undefined ? '' : ` ${short(fault.detail)}`}`);
  for (const [key, value] of Object.entries(r.evidence ?? {})) lines.push(`- ${key}: ${short(value)}`);
  for (const violation of r.check?.violations ?? []) lines.push(`- violation: ${violation}`);
  if (r.error) lines.push(`- failed assertion: ${r.error.split('\n').slice(0, 14).join(' ').replace(/\s+/g, ' ').slice(0, 900)}`);
  if ((r.unexpectedExits ?? []).length) lines.push(`- processes that exited unasked: ${short(r.unexpectedExits)}`);
  lines.push('');
}

const block = `${START}\n${lines.join('\n')}\n${END}`;
const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '';
const next = text.includes(START) && text.includes(END) ? text.replace(new RegExp(`${START}[\\s\\S]*?${END}`), () => block) : `${text}\n${block}\n`;
fs.writeFileSync(doc, next);
process.stderr.write(`[faults-report] figures of ${results.length} scenario(s) written to docs/reliability.md\n`);
