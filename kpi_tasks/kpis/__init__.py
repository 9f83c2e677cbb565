"""KPI targets (chỉ tiêu): the catalogue, targets per unit or unit kind, measurements, progress tables."""
