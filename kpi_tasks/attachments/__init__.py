"""Files attached to directives, progress updates and completion reports: checked by content, stored under
random names in the upload folder (never under static/), served only to users who may see their owner."""
