"""Which data sets the machine has, for the lesson tests whose bars depend on it."""
from minigrad.data.datasets import fashion_mnist_directory


def fashion_mnist_installed():
    """Whether Fashion-MNIST's files are installed (Debian's ``dataset-fashion-mnist``); without
    them the vision lessons run on the digits instead."""
    try:
        fashion_mnist_directory()
    except FileNotFoundError:
        return False
    return True
