/**
 * An nginx image made from Debian's own nginx binary and its libraries, with a small config that serves a welcome
 * page on port 80 and logs to stdout/stderr. Like the official image, it runs `nginx -g 'daemon off;'` as PID 1,
 * serves /usr/share/nginx/html, and carries a shell (busybox) for exec and probes.
 */
import { existsSync } from 'node:fs';
import { buildOciArchive, type OciArchive } from '../oci-image.js';
import { RootfsBuilder } from '../rootfs-builder.js';
import { addBusybox, DEFAULT_PATH } from './busybox.js';

/** Debian's nginx binary. */
export const NGINX_BINARY = '/usr/sbin/nginx';

const nginxConf = `user nginx;
worker_processes 1;
error_log /dev/stderr notice;
pid /run/nginx.pid;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
`;

const defaultServer = `server {
    listen 80;
    listen [::]:80;
    server_name localhost;
    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }
    error_page 500 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
    }
}
`;

const indexHtml = `<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>This nginx runs in a kubelite pod, from an image built offline out of Debian's nginx.</p>
</body>
</html>
`;

/** Builds the nginx image under the given names (default `nginx:1.7.9` and `nginx:latest`, the seed's). */
export function buildNginxImage(names: string[] = ['nginx:1.7.9', 'nginx:latest']): OciArchive {
  if (!existsSync(NGINX_BINARY)) throw new Error(`${NGINX_BINARY} is missing: apt-get install -y nginx`);
  const fs = new RootfsBuilder();
  fs.binary(NGINX_BINARY);
  fs.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.file('/etc/group', 'root:x:0:\nnginx:x:101:\nnogroup:x:65534:\n');
  addBusybox(fs);
  fs.file('/etc/nginx/nginx.conf', nginxConf);
  fs.file('/etc/nginx/conf.d/default.conf', defaultServer);
  if (existsSync('/etc/nginx/mime.types')) fs.copy('/etc/nginx/mime.types', '/etc/nginx/mime.types', 0o644);
  else fs.file('/etc/nginx/mime.types', 'types {\n    text/html html htm;\n    text/plain txt;\n}\n');
  fs.file('/usr/share/nginx/html/index.html', indexHtml);
  fs.file('/usr/share/nginx/html/50x.html', '<!DOCTYPE html>\n<html><body><h1>An error occurred.</h1></body></html>\n');
  fs.dir('/var/lib/nginx').dir('/var/log/nginx').dir('/var/cache/nginx').dir('/run');
  return buildOciArchive({
    names,
    layers: [fs.entries()],
    config: {
      Env: [DEFAULT_PATH],
      Cmd: ['nginx', '-g', 'daemon off;'],
      ExposedPorts: { '80/tcp': {} },
      StopSignal: 'SIGQUIT',
    },
  });
}
