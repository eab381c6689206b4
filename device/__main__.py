"""`python -m device ...`: the speaker's command line (device.cli)."""

from device.cli import main

if __name__ == "__main__":  # importing the module (a walk over the package) runs nothing
    main()
