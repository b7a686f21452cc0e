import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import { pullCredentials } from './image-puller.js';
import type { ObjectSource } from './object-source.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('imagePullSecrets: dockerconfigjson and dockercfg entries matching the image registry become CRI auth', async () => {
  const secrets: Record<string, Secret> = {
    json: { data: { '.dockerconfigjson': b64(JSON.stringify({ auths: {
      'https://index.docker.io/v1/': { auth: b64('hub:pw1') },
      '127.0.0.1:5000': { username: 'u', password: 'p' },
    } })) } },
    cfg: { data: { '.dockercfg': b64(JSON.stringify({ 'registry.example:443': { auth: b64('old:pw2') } })) } },
  };
  const source = { secret: async (_ns: string, name: string) => secrets[name] } as unknown as ObjectSource;
  const pod: Pod = { metadata: { namespace: 'default' }, spec: { containers: [], imagePullSecrets: [{ name: 'json' }, { name: 'cfg' }, { name: 'missing' }] } };
  assert.deepEqual((await pullCredentials(pod, 'nginx:1.7.9', source)).map((a) => [a.username, a.password]), [['hub', 'pw1']]);
  assert.deepEqual((await pullCredentials(pod, '127.0.0.1:5000/app:1', source)).map((a) => [a.username, a.password]), [['u', 'p']]);
  assert.deepEqual((await pullCredentials(pod, 'registry.example:443/x/y', source)).map((a) => [a.username, a.password]), [['old', 'pw2']]);
  assert.deepEqual(await pullCredentials(pod, 'quay.io/x/y', source), []);
});
