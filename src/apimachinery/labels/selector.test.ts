import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, parseSelector, selectorFromLabelSelector, selectorFromSet, Selector } from './selector.js';

describe('parseSelector', () => {
  const ok: [string, string][] = [
    ['a=b', 'a=b'], ['a==b', 'a==b'], ['a!=b', 'a!=b'], ['  a = b , c ', 'a=b,c'], ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['!h,g', 'g,!h'], ['e in (y,x)', 'e in (x,y)'], ['app.kubernetes.io/name=web', 'app.kubernetes.io/name=web'], ['a=', 'a='],
    ['x in (in)', 'x in (in)'], ['', ''], ['b=1,a=2', 'a=2,b=1'], ['n>5', 'n>5'],
  ];
  for (const [input, want] of ok) test(`parses ${JSON.stringify(input)}`, () => assert.equal(parseSelector(input).toString(), want));

  const bad: [string, string][] = [
    ['a=b,', "found '', expected: identifier after ','"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a@=b', `unable to parse requirement: <nil>: Invalid value: "a@": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`],
    ['app=a@b', `unable to parse requirement: values[0][app]: Invalid value: "a@b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
  ];
  for (const [input, msg] of bad) test(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseSelector(input), { message: msg }));
});

describe('matching', () => {
  const labels = { app: 'web', tier: 'front', n: '7' };
  const cases: [string, boolean][] = [
    ['app=web', true], ['app=db', false], ['app!=db', true], ['missing!=x', true], ['tier in (front,back)', true],
    ['tier notin (front)', false], ['missing notin (x)', true], ['app', true], ['!app', false], ['!missing', true],
    ['app=web,tier=back', false], ['', true], ['n>5', true], ['n<5', false],
  ];
  for (const [sel, want] of cases) test(`${JSON.stringify(sel)} → ${want}`, () => assert.equal(parseSelector(sel).matches(labels), want));
  test('requiresExactMatch', () => {
    assert.equal(parseSelector('a=1,b in (2)').requiresExactMatch('b'), '2');
    assert.equal(parseSelector('a!=1').requiresExactMatch('a'), undefined);
  });
});

describe('metav1.LabelSelector', () => {
  test('nil selects nothing, empty selects everything', () => {
    assert.equal(selectorFromLabelSelector(undefined).matches({ a: 'b' }), false);
    assert.equal(selectorFromLabelSelector({}).matches({ a: 'b' }), true);
    assert.ok(selectorFromLabelSelector({}).empty());
  });
  test('matchLabels and matchExpressions', () => {
    const s = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }] });
    assert.equal(s.toString(), 'app=web,!canary,env in (dev,prod)');
    assert.ok(s.matches({ app: 'web', env: 'dev' }));
    assert.ok(!s.matches({ app: 'web', env: 'dev', canary: 'x' }));
  });
  test('bad operator', () => {
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals' }] }), { message: '"Equals" is not a valid label selector operator' });
  });
  test('formatLabelSelector', () => {
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
    assert.equal(formatLabelSelector({}), '<none>');
  });
  test('fromSet and everything/nothing', () => {
    assert.equal(selectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
    assert.ok(Selector.everything().matches(undefined));
    assert.ok(!Selector.nothing().matches({}));
  });
});
