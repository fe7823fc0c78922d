"""Analysis of trained models: feature pictures (t-SNE), the proxy A-distance, model-selection studies.

Import the submodules you need (``from dareg.analysis.features import ...``); this package imports
nothing eagerly, so scikit-learn and matplotlib load only when an analysis runs.
"""
