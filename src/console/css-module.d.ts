// Stylesheets embedded as text (`import css from './ui/app.css' with { type: 'text' }`).
declare module '*.css' {
  const text: string;
  export default text;
}
