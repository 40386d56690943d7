/** Vite's `?url` imports: the served URL of a file the build copies into the site's assets. */
declare module '*?url' {
  const url: string;
  export default url;
}
