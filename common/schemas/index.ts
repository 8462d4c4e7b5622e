// The domain's shapes, a file per resource. Types are inferred from these schemas; there are no
// hand-written copies. Import from here (`common/schemas`); the files import one another directly.

export * from './changes';
export * from './createJob';
export * from './errors';
export * from './fields';
export * from './followUps';
export * from './job';
export * from './operations';
export * from './pullRequests';
export * from './queries';
export * from './repository';
export * from './review';
export * from './service';
export * from './thread';
export * from './usage';
