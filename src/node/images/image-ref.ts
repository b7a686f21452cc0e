/**
 * Image reference normalisation, as Docker and containerd do it (distribution's ParseNormalizedNamed): `nginx`
 * means `docker.io/library/nginx:latest`, `me/app:1` means `docker.io/me/app:1`, and a first component with a dot,
 * a colon or `localhost` is a registry host.
 */

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host, e.g. `docker.io` or `127.0.0.1:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/nginx`. */
  path: string;
  /** The tag (`latest` when neither tag nor digest was given). Empty with a digest-only reference. */
  tag: string;
  /** `sha256:…` when the reference pins a digest. */
  digest: string;
}

/** Parses and normalises an image reference; throws on an empty or malformed one. */
export function parseImageRef(ref: string): ImageRef {
  if (!ref || /\s/.test(ref) || ref !== ref.trim()) throw new Error(`Invalid image reference ${JSON.stringify(ref)}`);
  let rest = ref;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) throw new Error(`Invalid digest in image reference ${JSON.stringify(ref)}`);
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`Invalid tag in image reference ${JSON.stringify(ref)}`);
  }
  const slash = rest.indexOf('/');
  let domain = 'docker.io';
  let path = rest;
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    throw new Error(`Invalid repository name in image reference ${JSON.stringify(ref)}`);
  }
  if (!tag && !digest) tag = 'latest';
  return { domain, path, tag, digest };
}

/** The fully qualified form of a reference: `nginx` → `docker.io/library/nginx:latest`. */
export function normalizeImageRef(ref: string): string {
  const r = parseImageRef(ref);
  return `${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
