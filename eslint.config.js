// Lint configuration. Besides a few correctness rules, it enforces the dependency direction of
// shared/ARCHITECTURE.md: util ← apimachinery ← api ← client ← components, util ← storage ← apiserver,
// components never import each other, and each third-party package stays in the one folder that owns it.
import tseslint from 'typescript-eslint';

/** Every unit of src/, with the units (and third-party packages) it may import. */
const units = {
  'util': { may: [] },
  'apimachinery': { may: ['util'] },
  'api': { may: ['util', 'apimachinery'] },
  'storage': { may: ['util'], packages: [] },
  'client': { may: ['util', 'apimachinery', 'api'] },
  'controlplane/apiserver': { may: ['util', 'apimachinery', 'api', 'storage'] },
  'controlplane/scheduler': { may: ['util', 'apimachinery', 'api', 'client'] },
  'controlplane/controllers': { may: ['util', 'apimachinery', 'api', 'client'] },
  'controlplane/dns': { may: ['util', 'apimachinery', 'api', 'client'] },
  'node/cri': { may: ['util'] },
  'node/images': { may: ['util'] },
  'node/runtime': { may: ['util', 'node/cri', 'node/images'] },
  'node/kubelet': { may: ['util', 'apimachinery', 'api', 'client', 'node/cri', 'node/images', 'node/runtime'] },
  'node/proxy': { may: ['util', 'apimachinery', 'api', 'client'] },
  'node/stats': { may: ['util', 'apimachinery', 'api', 'client', 'node/cri'] },
  'ingress': { may: ['util', 'apimachinery', 'api', 'client'] },
};

/** Third-party packages that belong to one folder only. */
const ownedPackages = {
  'better-sqlite3': 'src/storage/drivers/sqlite',
  'etcd3': 'src/storage/drivers/etcd',
  '@grpc/grpc-js': 'src/node/cri',
  '@grpc/proto-loader': 'src/node/cri',
  'dns-packet': 'src/controlplane/dns',
  'spdy-transport': 'src/apimachinery/httpstream',
  'node-forge': 'src/controlplane/apiserver/pki',
};

const allUnits = [...Object.keys(units), 'cmd'];

/** Import patterns that reach the named unit from anywhere in src/. */
function patternFor(unit) {
  // Cross-unit imports always climb out with "../"; a unit's own subfolders ("./x/…") never match.
  const [top, sub] = unit.split('/');
  const tail = sub ? `(${top}/)?${sub}` : top;
  return `^(\\.\\./)+(.*/)?${tail}(/|$)`;
}

function restrictionsFor(unit, allowedUnits, dir) {
  const forbidden = allUnits.filter((u) => u !== unit && !allowedUnits.includes(u));
  const patterns = forbidden.map((u) => ({
    regex: patternFor(u),
    message: `${unit} must not import ${u}: see the dependency direction in ARCHITECTURE.md; components meet only through the API.`,
  }));
  const paths = Object.entries(ownedPackages)
    .filter(([, owner]) => !dir.startsWith(owner))
    .map(([name, owner]) => ({ name, message: `${name} belongs to ${owner}; use that folder's interface instead.` }));
  return ['error', { patterns, paths }];
}

const boundaryConfigs = Object.entries(units).flatMap(([unit, { may }]) => {
  const dir = `src/${unit}`;
  const base = { files: [`${dir}/**/*.ts`], rules: { 'no-restricted-imports': restrictionsFor(unit, may, dir) } };
  // A package owner gets its own, looser configuration for its folder.
  const owners = Object.values(ownedPackages).filter((o) => o.startsWith(dir + '/'));
  return [base, ...owners.map((o) => ({ files: [`${o}/**/*.ts`], rules: { 'no-restricted-imports': restrictionsFor(unit, may, o) } }))];
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-self-assign': 'error',
      'no-cond-assign': 'error',
      'eqeqeq': ['error', 'smart'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  ...boundaryConfigs,
);
