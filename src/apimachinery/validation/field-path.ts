/**
 * FieldPath: the path of a field inside an object, rendered the way apimachinery's `field.Path` renders it
 * (`spec.containers[0].name`, `metadata.labels[app]`). Validation messages carry these paths verbatim and kubectl
 * prints them, so the rendering rules (including the odd `[]` for an empty root) follow upstream.
 */

/** An immutable path; every builder method returns a new path. */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    /** A child name; empty for a subscript element. */
    private readonly name: string,
    /** The subscript (`0`, `app`) when `name` is empty. */
    private readonly subscript: string,
  ) {}

  /** A root path made of one or more names: `FieldPath.root('spec', 'template')` is `spec.template`. */
  static root(name: string, ...more: string[]): FieldPath {
    let p = new FieldPath(undefined, name, '');
    for (const n of more) p = new FieldPath(p, n, '');
    return p;
  }

  /** A named child: `spec` → `spec.containers`. */
  child(name: string, ...more: string[]): FieldPath {
    let p = new FieldPath(this, name, '');
    for (const n of more) p = new FieldPath(p, n, '');
    return p;
  }

  /** A list element: `spec.containers` → `spec.containers[0]`. */
  index(i: number): FieldPath {
    return new FieldPath(this, '', String(i));
  }

  /** A map entry: `metadata.labels` → `metadata.labels[app]`. */
  key(k: string): FieldPath {
    return new FieldPath(this, '', k);
  }

  /** `spec.containers[0].name`. A root with an empty name renders as `[]`, as upstream does for whole-object errors. */
  toString(): string {
    const elems: FieldPath[] = [];
    for (let p: FieldPath | undefined = this; p; p = p.parent) elems.push(p);
    let out = '';
    for (let i = elems.length - 1; i >= 0; i--) {
      const p = elems[i];
      if (p.parent && p.name.length > 0) out += '.';
      out += p.name.length > 0 ? p.name : `[${p.subscript}]`;
    }
    return out;
  }
}

/** Shorthand for `FieldPath.root(...)`, like apimachinery's `field.NewPath`. */
export function fieldPath(name: string, ...more: string[]): FieldPath {
  return FieldPath.root(name, ...more);
}

/** A path, or `undefined` for "no path" (rendered `<nil>` in label selector parse errors, as upstream). */
export type MaybePath = FieldPath | undefined;

/** Renders an optional path; a missing path renders as `<nil>` like a nil `*field.Path`. */
export function pathString(p: MaybePath): string {
  return p ? p.toString() : '<nil>';
}
