/**
 * The two ways a patch is refused, as kube-apiserver answers them: 400 BadRequest for a body that is not a well-formed
 * patch (bad directive, bad pointer, bad JSON shape) and 422 Invalid for a well-formed patch that does not apply to
 * the object (missing path, failed test, missing merge key, wrong type).
 */
import { StatusError, badRequest } from '../errors/status-error.js';

/** 400 BadRequest: the patch itself is malformed. */
export function malformedPatch(message: string): StatusError {
  return badRequest(message);
}

/**
 * 422 Invalid: the patch does not apply. `field` is the path that failed, in the patch's own notation (a JSON pointer
 * for JSON patch, a dotted path for merge patches); `detail` says why, without the path, because kubectl prints a
 * cause as `<field>: <detail>`. The Status message is `message`, by default `<field>: <detail>`.
 */
export function patchDoesNotApply(field: string, detail: string, message = `${field}: ${detail}`): StatusError {
  return new StatusError(422, 'Invalid', message, {
    causes: [{ reason: 'FieldValueInvalid', message: detail, field }],
  });
}

/** Dotted path helper for messages: `spec.template.spec.containers`. */
export function joinPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}
