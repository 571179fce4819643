"""Hand-written aws-cdk-lib equivalents of the reference article's stacks, for side-by-side benchmarks."""
