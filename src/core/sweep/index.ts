// Sweeps over sampling settings, pure: search spaces, proposers, objectives, truth metrics, links, results.
export * from './space';
export * from './proposers';
export * from './gaussianProcess';
export * from './objective';
export * from './truth';
export * from './grammar';
export * from './definition';
export * from './results';
