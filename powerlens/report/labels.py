"""Display labels of codes, from the seeds the warehouse carries (reference.code_labels and
reference.regions): the report never shows a raw code when the seeds label it."""
from __future__ import annotations


class Labels:
    def __init__(self, con, lang: str) -> None:
        self.lang = lang
        column = "label_zh" if lang == "zh" else "label_en"
        self._labels = {
            (code_set, code): label for code_set, code, label in con.execute(
                f"select code_set, code, {column} from reference.code_labels").fetchall()}
        region_column = "region_name_zh" if lang == "zh" else "region_name_en"
        self._labels.update({
            ("region_code", code): label for code, label in con.execute(
                f"select region_code, {region_column} from reference.regions").fetchall()})
        self.missing: set[tuple[str, str]] = set()

    def __call__(self, code_set: str, code) -> str:
        code = str(code)
        label = self._labels.get((code_set, code))
        if label is None:
            # kept for the caller to report; the report shows the code rather than nothing
            self.missing.add((code_set, code))
            return code
        return label
