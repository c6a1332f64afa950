// Two `edgelm serve` replicas behind nginx (deploy/nginx.conf.template): the
// turns of one conversation (X-Session-Id) land on one replica and reuse its
// cache; when that replica dies, the conversation moves to the other one
// without a failed request. Run by CTest when nginx is installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

const bin = process.env.EDGELM_BINARY;
const nginx = process.env.NGINX_BINARY;
const repo = process.env.EDGELM_SOURCE_DIR;
const dir = mkdtempSync(path.join(tmpdir(), 'edgelm-replicas-'));
const children = [];

after(() => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function serve(model) {
  const child = spawn(bin, ['serve', '-m', model, '--port', '0', '--slots', '2', '--ctx', '1024', '-t', '1'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/listening on http:\/\/([^\s]+)/);
      if (m) resolve({ child, addr: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; ++i) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('nginx did not come up');
}

test('a conversation sticks to one replica and survives its loss', async () => {
  const model = path.join(dir, 'model.gguf');
  execFileSync(bin, ['synth', '--arch', 'qwen35', '--preset', 'tiny', '--type', 'q8_0', '-o', model]);
  const replicas = await Promise.all([serve(model), serve(model)]);
  const port = await freePort();
  const upstreams = replicas.map((r) => `server ${r.addr} max_fails=1 fail_timeout=10s;`).join(' ');
  const conf = readFileSync(path.join(repo, 'deploy', 'nginx.conf.template'), 'utf8')
    .replaceAll('@PREFIX@', dir).replaceAll('@NGINX_PORT@', String(port)).replaceAll('@UPSTREAMS@', upstreams);
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proxy = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let proxyErr = '';
  proxy.stderr.on('data', (d) => { proxyErr += d; });
  children.push(proxy);
  await waitForPort(port).catch((e) => { throw new Error(`${e.message}\nnginx: ${proxyErr}`); });

  const messages = [{ role: 'system', content: 'You are a helpful assistant that answers briefly.' }];
  const turn = async (text) => {
    messages.push({ role: 'user', content: text });
    const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Session-Id': 'conversation-a' },
      body: JSON.stringify({ messages, max_tokens: 4, seed: 1, chat_template_kwargs: { enable_thinking: false } }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const body = await r.json();
    messages.push({ role: 'assistant', content: body.choices[0].message.content });
    return { replica: r.headers.get('x-edgelm-replica'), cached: body.usage.prompt_tokens_details.cached_tokens };
  };
  const t1 = await turn('First question');
  const t2 = await turn('Second question');
  const t3 = await turn('Third question');
  assert.equal(t2.replica, t1.replica);
  assert.equal(t3.replica, t1.replica);
  assert.ok(t2.cached > 0 && t3.cached > t2.cached, `cached ${t2.cached}, ${t3.cached}`);

  // The replica dies; the next turns go to the other one, which warms up.
  const lost = replicas.find((r) => t1.replica.endsWith(r.addr.split(':')[1]));
  assert.ok(lost, `${t1.replica} is one of ${replicas.map((r) => r.addr)}`);
  lost.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const t4 = await turn('Fourth question');
  const t5 = await turn('Fifth question');
  assert.notEqual(t4.replica.split(', ').pop(), t1.replica);
  assert.equal(t5.replica, t4.replica.split(', ').pop());
  assert.ok(t5.cached > 0, `cached ${t5.cached}`);
});
