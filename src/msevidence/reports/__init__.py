"""Report sets: config, execution (papermill, process pool), HTML, index and manifest."""
