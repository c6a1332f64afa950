// `edgelm compare` end to end on two tiny synthetic models (random weights:
// the quality numbers mean nothing; the pipeline, the resume and the report
// are what is tested), the HTML report rendered by headless Chromium, and the
// evaluations run against `edgelm serve` through --endpoint. Run by CTest
// with EDGELM_BINARY (and CHROMIUM_BINARY when Chromium is installed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const bin = process.env.EDGELM_BINARY;
assert.ok(bin, 'EDGELM_BINARY must name the edgelm executable');
const chromium = process.env.CHROMIUM_BINARY;
const dir = mkdtempSync(path.join(tmpdir(), 'edgelm-compare-'));
const cache = path.join(dir, 'cache');
let a, b;

function run(args, opts = {}) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
}

// Runs a command and returns {stdout, stderr} (stderr holds the stage log).
function runBoth(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve({ out, err }) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

const compareArgs = () => ['compare', a, b, '--mem-budget', '1GiB', '--suite', 'speed,memory,context,ifeval,bfcl,agent',
  '--limit', '2', '--depths', '0,256', '-p', '32', '-n', '8', '-r', '2', '--turns', '3', '--max-tokens', '12',
  '-c', '2048', '-t', '1', '--cache', cache, '--json', path.join(dir, 'r.json'), '--html', path.join(dir, 'r.html')];

before(() => {
  a = path.join(dir, 'gemma4.gguf');
  b = path.join(dir, 'qwen35.gguf');
  run(['synth', '--arch', 'gemma4', '--preset', 'tiny', '--type', 'q8_0', '-o', a]);
  run(['synth', '--arch', 'qwen35', '--preset', 'tiny', '--type', 'q8_0', '--seed', '2', '-o', b]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

let first;
test('compare runs every suite for both models and picks a winner per row', async () => {
  const { out } = await runBoth(compareArgs());
  first = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.equal(first.models.length, 2);
  for (const m of first.models) {
    assert.match(m.sha256, /^[0-9a-f]{64}$/);
    assert.equal(m.speed.depths.length, 2);
    for (const d of m.speed.depths) {
      assert.ok(d.fits, JSON.stringify(d));
      assert.ok(d.prefill.median > 0 && d.decode.median > 0);
      assert.ok(d.decode.min <= d.decode.median && d.decode.median <= d.decode.max);
    }
    assert.equal(m.speed.agent_turns.turns.length, 3);
    assert.ok(m.memory.weights > 0 && m.memory.peak_rss_bytes > 0);
    assert.ok(m.context.max_ctx > 0);
    assert.equal(m.ifeval.prompts, 2);
    assert.equal(m.bfcl.score.n, 10);   // --limit 2 in each of the five default categories
    assert.equal(m.agent.score.n, 2);
    for (const s of [m.ifeval.score, m.bfcl.score, m.agent.score])
      assert.ok(s.low <= s.value && s.value <= s.high);
  }
  assert.notEqual(first.models[0].sha256, first.models[1].sha256);
  const metrics = first.rows.map((r) => r.metric);
  for (const want of ['decode @ 0', 'prefill @ 256', 'peak RSS', 'longest context in budget',
                      'IFEval prompt-level strict', 'BFCL AST accuracy', 'agent tasks pass rate'])
    assert.ok(metrics.includes(want), `row ${want} missing from ${metrics}`);
  for (const r of first.rows) assert.ok(['A', 'B', 'tie'].includes(r.winner), JSON.stringify(r));
  // The table printed on stdout has the same rows.
  assert.match(out, /\| speed \| decode @ 256/);
  assert.match(out, /\| quality \| agent tasks pass rate/);
});

test('a second compare takes everything from the cache', async () => {
  const { err } = await runBoth(compareArgs());
  const again = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.deepEqual(again.models, first.models);
  assert.equal((err.match(/: cached/g) || []).length, 12);   // six suites x two models
});

test('an interrupted quality suite resumes from its finished items', async () => {
  // Make model A's IFEval look interrupted after its first item, with a torn last line.
  const shaDir = readdirSync(cache).find((d) => first.models[0].sha256.startsWith(d));
  const settingsDir = readdirSync(path.join(cache, shaDir))[0];
  const suiteDir = path.join(cache, shaDir, settingsDir);
  rmSync(path.join(suiteDir, 'ifeval.json'));
  const log = path.join(suiteDir, 'ifeval', 'responses.jsonl');
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  writeFileSync(log, `${lines[0]}\n{"key": "torn`);
  const { err } = await runBoth(compareArgs());
  assert.equal((err.match(/: cached/g) || []).length, 11);
  const resumed = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(resumed.length, 2);
  assert.equal(JSON.stringify(resumed[0]), lines[0]);   // the finished item was not redone
  const again = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.deepEqual(again.models[0].ifeval.score, first.models[0].ifeval.score);
});

// Width, height and whether the pixels vary, from a PNG's IHDR and IDAT chunks.
function pngFacts(file) {
  const buf = readFileSync(file);
  assert.equal(buf.toString('latin1', 1, 4), 'PNG');
  const width = buf.readUInt32BE(16), height = buf.readUInt32BE(20);
  const idat = [];
  for (let off = 8; off < buf.length;) {
    const len = buf.readUInt32BE(off), type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const distinct = new Set();
  for (let i = 0; i < raw.length && distinct.size < 16; i += 97) distinct.add(raw[i]);
  return { width, height, varied: distinct.size > 4 };
}

test('the HTML report renders in headless Chromium with its plots', { skip: !chromium && 'no Chromium' }, () => {
  const html = path.join(dir, 'r.html');
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                 `--user-data-dir=${path.join(dir, 'chromium')}`];
  const dom = execFileSync(chromium, [...flags, '--dump-dom', `file://${html}`],
                           { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120000 });
  for (const id of ['decode-vs-depth', 'memory-breakdown', 'scores']) assert.match(dom, new RegExp(`<svg[^>]*id="${id}"`));
  assert.equal((dom.match(/<polyline class="series"/g) || []).length, 2);
  assert.equal((dom.match(/<circle class="point"/g) || []).length, 4);   // two depths x two models
  assert.ok((dom.match(/<rect class="mem"/g) || []).length >= 4);
  assert.equal((dom.match(/<rect class="score"/g) || []).length, 6);    // three suites x two models
  assert.match(dom, /<table id="results">/);
  const shot = path.join(dir, 'shot.png');
  execFileSync(chromium, [...flags, '--window-size=1000,1800', `--screenshot=${shot}`, `file://${html}`],
               { stdio: 'ignore', timeout: 120000 });
  assert.ok(existsSync(shot) && statSync(shot).size > 10000);
  const facts = pngFacts(shot);
  assert.equal(facts.width, 1000);
  assert.ok(facts.varied, 'the screenshot is blank');
});

test('the suites run against a server through --endpoint', async () => {
  const child = spawn(bin, ['serve', '-m', b, '--port', '0', '--slots', '1', '--ctx', '2048', '-t', '1',
                            '--api-key', 'sk-eval', '--alias', 'tiny-qwen'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = err.match(/listening on (http:\/\/[^\s]+)/);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const out = path.join(dir, 'endpoint-bfcl');
    const { out: text } = await runBoth(['eval', 'bfcl', '--endpoint', url, '--api-key', 'sk-eval', '--limit', '1',
                                         '--max-tokens', '12', '--out', out]);
    assert.match(text, /overall\s+\d/);
    const lines = readFileSync(path.join(out, 'bfcl_results.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.errors, 0);
    const agentOut = path.join(dir, 'endpoint-agent');
    await runBoth(['eval', 'agent', '--endpoint', url, '--api-key', 'sk-eval', '--limit', '2', '--max-tokens', '12',
                   '--out', agentOut]);
    const agent = JSON.parse(readFileSync(path.join(agentOut, 'summary.json'), 'utf8'));
    assert.equal(agent.score.n, 2);
    assert.equal(agent.errors, 0);
    // A wrong key is a clear error, not a run full of failures.
    await assert.rejects(runBoth(['eval', 'bfcl', '--endpoint', url, '--api-key', 'wrong', '--limit', '1',
                                  '--out', path.join(dir, 'denied')]), /check --api-key/);
  } finally {
    child.kill('SIGTERM');
  }
});
