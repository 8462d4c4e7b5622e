// How a repository's change is made: by a shell command, or by Claude. The run treats both alike.

export interface ChangeMaker {
  /** Makes the change in the checkout; returns the summary of what changed. Throws RunFailure. */
  make(): Promise<string>;
  /**
   * Claude only: the verification failed with this output; try again. Returns the new summary.
   * Absent for commands, which cannot learn from a failure.
   */
  revise?(feedback: string): Promise<string>;
  /** Called once the repository's run ends, however it ended: stops whatever the change left running. */
  dispose?(): Promise<void>;
}
