"""Renderers of pedigree charts and certificates: SVG (ours), PNG (Pillow), PDF (fpdf2)."""
