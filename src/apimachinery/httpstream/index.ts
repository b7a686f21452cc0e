/**
 * Streaming protocols shared by the kubelet's server and anything else that speaks kubectl's exec, attach and
 * port-forward wire formats (as upstream's k8s.io/apimachinery/pkg/util/httpstream): WebSocket channel framing
 * (v4/v5.channel.k8s.io), SPDY/3.1 sessions compatible with Go's spdystream, port-forward stream pairs (plain or
 * tunnelled in a WebSocket), and the status JSON of the error channel.
 */
export * from './channel.js';
export * from './status.js';
export { createSpdySession, openSpdyStream, replyToStream } from './spdy.js';
export type { SpdyConnection, SpdyStream, SpdySessionOptions } from './spdy.js';
export { acceptSpdyUpgrade, acceptWebSocket, dialSpdyUpgrade, isSpdyRequest, isWebSocketRequest, rejectUpgrade, UpgradeError } from './upgrade.js';
export type { DialUpgradeOptions } from './upgrade.js';
export { acceptRemoteCommand, remoteCommandOptions } from './remote-command.js';
export type { RemoteCommandOptions, RemoteCommandSession } from './remote-command.js';
export { dialRemoteCommand } from './remote-command-client.js';
export type { RemoteCommandClient } from './remote-command-client.js';
export { acceptPortForward, dialPortForward } from './port-forward.js';
export type { PortForwardClient, PortForwardPair, PortForwardSession } from './port-forward.js';
