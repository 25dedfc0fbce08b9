// Svelte compiler options for vite-plugin-svelte and svelte-check: TypeScript in components is type-stripped natively (Svelte 5).
export default {
  compilerOptions: { runes: true },
};
