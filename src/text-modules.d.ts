// Files embedded into the compiled binary as text (`import x from './f.sql' with { type: 'text' }`).
declare module '*.sql' {
  const text: string;
  export default text;
}
declare module '*.proto' {
  const text: string;
  export default text;
}
declare module '*.yml' {
  const text: string;
  export default text;
}
declare module '*.html' {
  const text: string;
  export default text;
}
