// edgelm serve driven by the official `openai` npm client, as an agent
// framework would: plain and streamed chat, a tool-call round trip with the
// real Gemma 4 and Qwen3.5 templates, JSON-schema output, the model list and
// errors as the client surfaces them. Run by CTest (tests/server/CMakeLists.txt)
// with EDGELM_BINARY and EDGELM_SHARED_DIR set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

const bin = process.env.EDGELM_BINARY;
const shared = process.env.EDGELM_SHARED_DIR;
assert.ok(bin, 'EDGELM_BINARY must name the edgelm executable');
assert.ok(shared, 'EDGELM_SHARED_DIR must name ../shared');
const dir = mkdtempSync(path.join(tmpdir(), 'edgelm-openai-'));
const servers = [];

// Starts `edgelm serve` on a free port; resolves with an OpenAI client for it.
function serve(model, template) {
  const args = ['serve', '-m', model, '--port', '0', '--slots', '2', '--ctx', '2048', '-t', '1', '--queue', '64',
                '--api-key', 'sk-test', '--alias', path.basename(model)];
  if (template) args.push('--chat-template', template);
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/listening on (http:\/\/[^\s]+)/);
      if (m) resolve(new OpenAI({ baseURL: `${m[1]}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 120000 }));
    });
    child.on('exit', (code) => reject(new Error(`edgelm serve exited with ${code}: ${err}`)));
  });
}

function synth(arch) {
  const out = path.join(dir, `${arch}.gguf`);
  execFileSync(bin, ['synth', '--arch', arch, '--preset', 'tiny', '--type', 'q8_0', '-o', out]);
  return out;
}

const weather = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 16 }, unit: { type: 'string', enum: ['C', 'F'] } },
      required: ['city', 'unit'],
    },
  },
}];

let gemma, qwen;
before(async () => {
  const templates = path.join(shared, 'chat', 'templates');
  [gemma, qwen] = await Promise.all([
    serve(synth('gemma4'), path.join(templates, 'google-gemma-4-E2B-it.jinja')),
    serve(synth('qwen35'), path.join(templates, 'Qwen3.5-4B.jinja')),
  ]);
});

after(() => {
  for (const s of servers) s.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('models are listed', async () => {
  const page = await qwen.models.list();
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0].id, 'qwen35.gguf');
});

test('non-streaming chat', async () => {
  const r = await qwen.chat.completions.create({
    model: 'qwen35.gguf', messages: [{ role: 'user', content: 'Say hi' }], max_tokens: 6, seed: 1,
    chat_template_kwargs: { enable_thinking: false },
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.completion_tokens <= 6);
});

test('streaming chat adds up to the non-streaming reply', async () => {
  const request = { model: 'x', messages: [{ role: 'user', content: 'Stream' }], max_tokens: 8, seed: 3,
                    chat_template_kwargs: { enable_thinking: false } };
  const stream = await qwen.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta.content ?? '';
      finish = c.finish_reason ?? finish;
    }
  }
  assert.ok(finish);
  assert.ok(usage && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens);
  const plain = await qwen.chat.completions.create(request);
  assert.equal(text, plain.choices[0].message.content);
});

for (const [name, client] of [['gemma4', () => gemma], ['qwen35', () => qwen]]) {
  test(`${name}: tool call round trip with the real template`, async () => {
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await client().chat.completions.create({
      model: name, messages, tools: weather, tool_choice: 'required', max_tokens: 200, seed: 5,
    });
    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls', JSON.stringify(first));
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    const args = JSON.parse(call.function.arguments);
    assert.equal(typeof args.city, 'string');
    assert.ok(['C', 'F'].includes(args.unit), call.function.arguments);

    messages.push(choice.message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 21, unit: args.unit }) });
    const answer = await client().chat.completions.create({ model: name, messages, tools: weather, max_tokens: 5 });
    assert.equal(answer.choices[0].message.role, 'assistant');
    assert.ok(answer.usage.prompt_tokens_details.cached_tokens > 0, 'the second turn reuses the first');

    // The same call, streamed through the client's tool-call deltas.
    const stream = await client().chat.completions.create({
      model: name, messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: weather,
      tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 200, seed: 6, stream: true,
    });
    let fname = '';
    let fargs = '';
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const t of c.delta.tool_calls ?? []) {
          fname += t.function?.name ?? '';
          fargs += t.function?.arguments ?? '';
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(fname, 'get_weather');
    assert.equal(typeof JSON.parse(fargs).city, 'string');
  });
}

test('json_schema output validates', async () => {
  const r = await qwen.chat.completions.create({
    model: 'x', messages: [{ role: 'user', content: 'A person as JSON' }], max_tokens: 200, seed: 7,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person', strict: true,
        schema: { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer' } },
                  required: ['name', 'age'], additionalProperties: false },
      },
    },
  });
  assert.equal(r.choices[0].finish_reason, 'stop');
  const person = JSON.parse(r.choices[0].message.content);
  assert.deepEqual(Object.keys(person).sort(), ['age', 'name']);
  assert.ok(Number.isInteger(person.age));
});

// 32 concurrent clients, half of them streaming: every request answered, and
// the server's resident memory flat after a warm-up round.
test('32 concurrent clients', async () => {
  const pid = servers[1].pid;
  const rss = () => Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  const round = async (perClient) => {
    const clients = Array.from({ length: 32 }, (_, c) => (async () => {
      for (let i = 0; i < perClient; ++i) {
        const request = { model: 'x', messages: [{ role: 'user', content: `client ${c} request ${i}` }], max_tokens: 6,
                          chat_template_kwargs: { enable_thinking: false } };
        if ((c + i) % 2 === 0) {
          let text = '';
          for await (const chunk of await qwen.chat.completions.create({ ...request, stream: true }))
            for (const ch of chunk.choices) text += ch.delta.content ?? '';
          assert.equal(typeof text, 'string');
        } else {
          const r = await qwen.chat.completions.create(request);
          assert.equal(r.object, 'chat.completion');
        }
      }
    })());
    await Promise.all(clients);
  };
  await round(2);
  const warm = rss();
  await round(3);
  await round(3);
  const after = rss();
  assert.ok(after < warm + 64 * 1024 * 1024, `resident memory grew from ${warm >> 20} to ${after >> 20} MiB`);
});

test('errors reach the client as OpenAI errors', async () => {
  await assert.rejects(
    qwen.chat.completions.create({ model: 'x', messages: [], max_tokens: 2 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /messages/.test(e.message));
  await assert.rejects(
    qwen.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }], n: 3 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'n');
  const wrongKey = new OpenAI({ baseURL: qwen.baseURL, apiKey: 'nope', maxRetries: 0 });
  await assert.rejects(wrongKey.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});
