/**
 * RestConfig: how to reach and authenticate to one API server. Built from a kubeconfig (kubeconfig.ts) or by hand
 * (in-process components, tests).
 */
import type { Transport } from './transport.js';

/** Connection settings for one API server. */
export interface RestConfig {
  /** Base URL, e.g. `https://127.0.0.1:6443`. A path prefix in the URL is kept in front of every request path. */
  server: string;
  /** PEM CA bundle that signs the server certificate. Without it the system roots are used. */
  ca?: string | Buffer;
  /** Skips server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTLSVerify?: boolean;
  /** Overrides the name checked against the server certificate (kubeconfig `tls-server-name`). */
  tlsServerName?: string;
  /** PEM client certificate and key for mTLS authentication. */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** Bearer token. Like kubectl, it is only sent over https, never to an `http://` server. */
  token?: string;
  /** Namespace of the kubeconfig context, for callers that want a default. */
  namespace?: string;
  /** `User-Agent` header, e.g. `kube-scheduler/kubelite`. */
  userAgent?: string;
  /** Most concurrent non-streaming connections (default 128; watches use a separate, unbounded pool). */
  maxSockets?: number;
  /** Per-request timeout in ms for non-streaming requests (default none: a watch or slow list is not cut). */
  timeoutMs?: number;
  /** A transport to use instead of HTTP, e.g. the in-process loopback of `kubelite up`. */
  transport?: Transport;
}
