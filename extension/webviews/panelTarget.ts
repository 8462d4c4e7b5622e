// What a panel shows, as its request handlers see it: panels.ts makes one per panel, and the
// handlers (diffPanel.ts, threadPanel.ts, …) read it and point it elsewhere.

/** What a panel shows now; a reused panel is pointed at something else with `set`. */
export class PanelTarget<State> {
  constructor(
    private current: State,
    private readonly changed: (state: State, reload: boolean) => void,
  ) {}

  get state(): State {
    return this.current;
  }

  /** Points the panel at `state`: its page loads again, from the top. */
  set(state: State): void {
    this.current = state;
    this.changed(state, true);
  }

  /** Records what the page is loading now (a group's representative, found while loading): no reload. */
  update(state: State): void {
    this.current = state;
    this.changed(state, false);
  }
}
