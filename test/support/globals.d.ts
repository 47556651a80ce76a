// Tests read many JSON replies; let `res.json()` be `any` there instead of `unknown`.
interface Body {
  json(): Promise<any>;
}
interface Response {
  json(): Promise<any>;
}
