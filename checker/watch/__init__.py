"""`dlx watch`: the loop (`app`), its events (`events`, dataclasses), its views (`view`, an enum), the file
observer and polling (`observer`), keys without Enter (`keys`), and the warm spare check process (`spare`).
The screens are drawn by `checker.ui`."""
