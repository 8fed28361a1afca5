/**
 * A shallow copy of a protobuf message with some fields replaced. Object spread would lose the proto2 field
 * defaults, which protobuf-es keeps on the message prototype (e.g. an unset raw_data).
 */
export function shallowCopy<T extends object>(message: T, patch: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(message) as object) as T, message, patch);
}
