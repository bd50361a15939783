"""Evidence-grade recording: no transcoding, hash-chained, signed, verifiable offline."""
