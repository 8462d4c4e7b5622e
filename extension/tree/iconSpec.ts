// How a row's icon is described without vscode: present.ts and reviewLook.ts choose one, nodes.ts
// draws it as a ThemeIcon.

/** A codicon id and the theme colour to draw it in. */
export interface IconSpec {
  id: string;
  color?: string;
}
