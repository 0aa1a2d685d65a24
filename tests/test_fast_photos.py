"""Training photos for users without any: packages' sample photos (found on disk; here a fake
package folder, so no third-party image is needed), generated pictures and `brushwork photos`."""
import numpy as np
import pytest
from PIL import Image

from brushwork.cli import main
from brushwork.fast import photos
from brushwork.fast.data import PhotoCrops


@pytest.fixture
def fake_packages(tmp_path, monkeypatch):
    """Two 'installed' packages with a sample photo each (one listed photo missing), one absent."""
    roots = {"pkg_a": tmp_path / "site" / "pkg_a", "pkg_b": tmp_path / "site" / "pkg_b"}
    (roots["pkg_a"] / "data").mkdir(parents=True)
    (roots["pkg_b"] / "img").mkdir(parents=True)
    Image.new("RGB", (40, 30), (200, 40, 40)).save(roots["pkg_a"] / "data" / "red.png")
    Image.new("RGB", (30, 40), (40, 40, 200)).save(roots["pkg_b"] / "img" / "blue.jpg")
    table = (("pkg_a", "data", ("red.png", "gone.png")), ("pkg_b", "img", ("blue.jpg",)),
             ("pkg_absent", "data", ("x.png",)))
    monkeypatch.setattr(photos, "SAMPLE_PHOTOS", table)
    monkeypatch.setattr(photos, "package_folder", roots.get)
    return roots


def test_sample_photos_are_the_listed_files_that_exist(fake_packages):
    found = photos.sample_photos(photos.SAMPLE_PHOTOS)
    assert [p.name for p in found] == ["red.png", "blue.jpg"]


def test_package_folder_finds_installed_packages_only():
    assert (photos.package_folder("brushwork") / "fast" / "photos.py").is_file()
    assert photos.package_folder("surely_no_such_package_here") is None
    assert photos.package_folder("math") is None  # a module, not a package folder


def test_generated_pictures_are_repeatable_varied_and_photo_sized():
    a, again, b = photos.generated_picture(96, 3), photos.generated_picture(96, 3), photos.generated_picture(96, 4)
    assert a.size == (96, 96) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(again))
    assert not np.array_equal(np.asarray(a), np.asarray(b))
    pixels = np.asarray(a, np.float32)
    assert pixels.std() > 10  # edges and areas of several colours, not a flat field
    assert len(np.unique(pixels.reshape(-1, 3) // 32, axis=0)) > 4


def test_write_photos_copies_samples_and_adds_generated_pictures(fake_packages, tmp_path):
    out = tmp_path / "photos"
    assert photos.write_photos(out, generated=3, size=64) == (2, 3)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["blue.jpg", "generated-0000.png", "generated-0001.png", "generated-0002.png", "red.png"]
    crops = PhotoCrops(out, 32, 2)  # a folder that training reads as it is
    assert len(crops.files) == 5 and crops.batch().shape == (2, 3, 32, 32)


def test_cli_photos_tops_samples_up_and_says_what_it_wrote(fake_packages, tmp_path, capsys):
    assert main(["photos", str(tmp_path / "a")]) == 0
    assert "2 sample photo(s) and 10 generated" in capsys.readouterr().out
    assert len(list((tmp_path / "a").iterdir())) == 12
    assert main(["photos", str(tmp_path / "b"), "--no-samples", "--generated", "2"]) == 0
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["generated-0000.png", "generated-0001.png"]
    assert main(["photos", str(tmp_path / "c"), "--generated", "-1"]) == 2
    assert "--generated must be 0 or more" in capsys.readouterr().err


def test_cli_photos_without_packages_says_how_to_get_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(photos, "package_folder", lambda name: None)
    assert main(["photos", str(tmp_path / "p"), "--generated", "1"]) == 0
    assert "pip install scikit-image" in capsys.readouterr().out


def test_train_on_an_empty_folder_points_to_brushwork_photos(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    Image.new("RGB", (32, 32)).save(tmp_path / "style.png")
    code = main(["train", str(tmp_path / "style.png"), "--images", str(tmp_path / "empty"), "-o", str(tmp_path / "m.pt")])
    assert code == 2 and "brushwork photos" in capsys.readouterr().err
