"""The reference solutions of the exercises, one module each; ``minigrad exercise start NAME``
turns one into the learner's skeleton by replacing each ``# YOUR CODE BEGINS`` ... ``# YOUR CODE
ENDS`` block with ``raise NotImplementedError``."""
