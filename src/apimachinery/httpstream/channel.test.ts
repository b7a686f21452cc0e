import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, decodeChannelFrame, encodeChannelFrame, offeredProtocols, parseResizeMessages } from './channel.js';
import { exitCodeOf, failureStatus, nonZeroExitCodeStatus, parseStreamStatus, successStatus } from './status.js';

test('a channel frame is the channel byte followed by the payload', () => {
  const f = encodeChannelFrame(Channel.stdout, 'hi');
  assert.deepEqual([...f], [1, 0x68, 0x69]);
  assert.deepEqual(decodeChannelFrame(f), { channel: 1, data: Buffer.from('hi') });
  // kubectl's v5 stdin EOF is the close channel naming channel 0.
  assert.deepEqual(decodeChannelFrame(Buffer.from([0xff, 0x00])), { channel: Channel.close, data: Buffer.from([0]) });
  assert.equal(decodeChannelFrame(Buffer.alloc(0)), undefined);
  assert.deepEqual([...encodeChannelFrame(Channel.error)], [3]);
});

test('resize messages are newline-separated JSON; a complete message without newline counts too', () => {
  assert.deepEqual(parseResizeMessages('{"Width":80,"Height":24}\n{"Width":100'), { sizes: [{ Width: 80, Height: 24 }], rest: '{"Width":100' });
  assert.deepEqual(parseResizeMessages('{"Width":100,"Height":30}'), { sizes: [{ Width: 100, Height: 30 }], rest: '' });
  assert.deepEqual(parseResizeMessages('garbage\n{"Width":1}\n'), { sizes: [], rest: '' });
});

test('offered protocols are split from comma lists and repeated headers', () => {
  assert.deepEqual(offeredProtocols('v4.channel.k8s.io, v3.channel.k8s.io,channel.k8s.io'), ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'channel.k8s.io']);
  assert.deepEqual(offeredProtocols(['a', 'b, c']), ['a', 'b', 'c']);
  assert.deepEqual(offeredProtocols(undefined), []);
});

test('status JSON carries the exit code the way kubectl reads it', () => {
  const st = nonZeroExitCodeStatus(3, ['sh', '-c', 'exit 3']);
  assert.equal(st.reason, 'NonZeroExitCode');
  assert.deepEqual(st.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.equal(exitCodeOf(parseStreamStatus(JSON.stringify(st))), 3);
  assert.equal(exitCodeOf(successStatus()), 0);
  assert.equal(exitCodeOf(failureStatus('OCI runtime exec failed')), undefined);
  // An empty error stream means success; older protocols send plain text.
  assert.equal(parseStreamStatus('').status, 'Success');
  assert.deepEqual([parseStreamStatus('boom').status, parseStreamStatus('boom').message], ['Failure', 'boom']);
});
